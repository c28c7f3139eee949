"""``dev-up --replicas``: parsing the request, and the ports and names replicas get."""

import pytest

from scripts.devstack import replicas
from scripts.devstack.procs import DevstackError
from scripts.devstack.services import SERVICES


def test_counts_are_read_per_service():
    wanted = replicas.parse("cj_assessment_service=2, llm_provider_service=3,result_aggregator_service=1")
    assert wanted == {"cj_assessment_service": 2, "llm_provider_service": 3, "result_aggregator_service": 1}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("cj_assessment_service", "NAME=COUNT"),
        ("cj_assessment_service=two", "NAME=COUNT"),
        ("cj_assesment_service=2", "no service 'cj_assesment_service'"),
        ("cj_assessment_service=0", "1 to 8"),
        (f"cj_assessment_service={replicas.MAX_REPLICAS + 1}", "1 to 8"),
    ],
)
def test_a_bad_request_is_refused_with_what_to_write(text: str, says: str):
    with pytest.raises(DevstackError, match=says):
        replicas.parse(text)


def test_replica_k_listens_100_ports_above_the_one_before():
    cj = next(svc for svc in SERVICES if svc.name == "cj_assessment_service")
    assert [replicas.port(cj, {}, k) for k in (1, 2, 3)] == [8004, 8104, 8204]
    assert replicas.port(cj, {"CJ_ASSESSMENT_SERVICE_HTTP_PORT": "9000"}, 2) == 9100
    assert replicas.label(cj.name, 2) == "cj_assessment_service#2"


def test_no_two_replicas_of_any_services_share_a_port():
    ports = [replicas.port(svc, {}, k) for svc in SERVICES for k in range(1, replicas.MAX_REPLICAS + 1)]
    assert len(ports) == len(set(ports))
