import socket

import pytest

from huleedu_service_libs.probes import kafka_answers, postgres_answers, redis_answers


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_nothing_listening_means_no():
    port = _closed_port()
    assert await kafka_answers(f"127.0.0.1:{port}", timeout_s=1) is False
    assert await postgres_answers(f"postgresql://postgres@127.0.0.1:{port}/postgres", timeout_s=1) is False
    assert await redis_answers(f"redis://127.0.0.1:{port}/0", timeout_s=1) is False


@pytest.mark.parametrize("url", ["", "not a url", "http://127.0.0.1:1"])
async def test_malformed_redis_url_means_no(url: str):
    assert await redis_answers(url, timeout_s=1) is False
