from huleedu_service_libs.probes import kafka_answers, postgres_answers, redis_answers
from huleedu_service_libs.testing.infrastructure import Infrastructure


async def test_running_servers_answer(infrastructure: Infrastructure):
    assert await kafka_answers(infrastructure.kafka_bootstrap) is True
    assert await postgres_answers(infrastructure.postgres_url) is True
    assert await redis_answers(infrastructure.redis_url) is True


async def test_wrong_database_means_no(infrastructure: Infrastructure):
    url = infrastructure.postgres_url.rsplit("/", 1)[0] + "/no_such_database_here"
    assert await postgres_answers(url) is False
