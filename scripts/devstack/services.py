"""The seven HuleEdu services as the dev stack and the compose files know them.

Ports are the HTTP ports each service listens on locally and in docker-compose; the
database name is the service's own PostgreSQL database (ARCHITECTURE §1: no service
reads another's database).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    http_port: int

    @property
    def database(self) -> str:
        return self.name

    @property
    def env_prefix(self) -> str:
        return self.name.upper() + "_"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("api_gateway_service", 8000),
    ServiceSpec("bff_teacher_service", 8001),
    ServiceSpec("content_service", 8002),
    ServiceSpec("class_management_service", 8003),
    ServiceSpec("cj_assessment_service", 8004),
    ServiceSpec("llm_provider_service", 8005),
    ServiceSpec("result_aggregator_service", 8006),
)
