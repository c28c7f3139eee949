"""Every metric declared in huleedu_service_libs.metrics is emitted by some module (PITFALLS:
metrics declared but never emitted): the shared machinery's own, or a service's, for the few
platform-wide names that services set (huleedu_rate_limit_hits_total)."""

from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram

from huleedu_service_libs import metrics

SRC = Path(metrics.__file__).parent
SERVICES = SRC.parents[3] / "services"


def test_every_declared_metric_is_used_outside_the_catalogue():
    declared = [name for name, value in vars(metrics).items() if isinstance(value, Counter | Gauge | Histogram)]
    assert declared, "the catalogue declares no metrics"
    assert SERVICES.is_dir(), SERVICES
    files = [*SRC.rglob("*.py"), *SERVICES.glob("*/src/**/*.py")]
    sources = "\n".join(p.read_text() for p in files if p != Path(metrics.__file__))
    unused = [name for name in declared if f"{name}." not in sources]
    assert unused == [], f"declared but never emitted: {unused}"


def test_metric_names_share_one_prefix():
    names = [value._name for value in vars(metrics).values() if isinstance(value, Counter | Gauge | Histogram)]
    assert all(name.startswith("huleedu_") for name in names)
