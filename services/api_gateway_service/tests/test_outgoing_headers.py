"""Whatever headers a client sends, a service sees one identity, the gateway's (or none, for a request on
nobody's behalf), and none of its internal headers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from api_gateway_service.proxying import GATEWAY_SERVICE_ID, outgoing_headers

KEY = "the-real-key"
USER = "the-token-user"
FORGED = ["X-User-ID", "X-Org-ID", "X-Service-ID", "X-Internal-API-Key", "X-Internal-Anything", "X-Access-Purpose"]


def random_case(name: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in name)).map("".join)


forged_header = st.sampled_from(FORGED).flatmap(lambda name: st.tuples(random_case(name), st.text(max_size=20)))
harmless_header = st.tuples(st.sampled_from(["Accept", "accept-language", "Idempotency-Key"]), st.text(max_size=20))


@given(st.lists(st.one_of(forged_header, harmless_header), max_size=12))
def test_only_the_gateways_identity_and_internal_headers_go_out(client_headers: list[tuple[str, str]]):
    sent = outgoing_headers(client_headers, user_id=USER, api_key=KEY)

    def values(name: str) -> list[str]:
        return [value for header, value in sent if header.lower() == name.lower()]

    assert values("X-User-ID") == [USER]
    assert values("X-Service-ID") == [GATEWAY_SERVICE_ID]
    assert values("X-Internal-API-Key") == [KEY]
    assert values("X-Org-ID") == []
    # Only the BFF says a read is for an export; a client saying it would be logged as one.
    assert values("X-Access-Purpose") == []
    assert [h for h, _ in sent if h.lower().startswith("x-internal-") and h != "X-Internal-API-Key"] == []
    harmless = [(h, v) for h, v in client_headers if h.lower() in {"accept", "accept-language", "idempotency-key"}]
    assert [(h, v) for h, v in sent if h.lower() in {"accept", "accept-language", "idempotency-key"}] == harmless


@given(st.lists(st.one_of(forged_header, harmless_header), max_size=12))
def test_a_request_for_nobody_names_no_user_whatever_the_client_sent(client_headers: list[tuple[str, str]]):
    sent = outgoing_headers(client_headers, user_id=None, api_key=KEY)
    assert [value for header, value in sent if header.lower() in {"x-user-id", "x-org-id"}] == []
    assert [value for header, value in sent if header.lower() == "x-service-id"] == [GATEWAY_SERVICE_ID]
