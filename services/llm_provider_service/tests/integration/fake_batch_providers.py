"""Fake OpenAI Batch and Anthropic Message Batches servers' handlers, speaking each wire format."""

import json
import re

from services.llm_provider_service.tests.fake_http import Reply, Seen

VERDICT = {"winner": "A", "confidence": 4, "justification": "Clearer."}


def chat_completion(content: str) -> dict:
    return {
        "id": "chatcmpl-b",
        "choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 50, "prompt_tokens_details": {"cached_tokens": 0}},
    }


class FakeOpenAIBatch:
    """Files and batches endpoints; the job completes with mixed results once ``finished`` is set."""

    def __init__(self) -> None:
        self.custom_ids: list[str] = []
        self.lines: list[dict] = []
        self.realtime_bodies: list[dict] = []
        self.finished = False

    def __call__(self, seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == "/files":
            text = seen.body.decode()
            assert 'name="purpose"' in text
            self.lines = [json.loads(line) for line in re.findall(r'^\{"custom_id".*$', text, re.M)]
            self.custom_ids = [line["custom_id"] for line in self.lines]
            return Reply(body={"id": "file-in", "purpose": "batch"})
        if seen.method == "POST" and seen.path == "/chat/completions":
            # The real-time retry of the item whose batch answer was unparseable.
            self.realtime_bodies.append(seen.json())
            return Reply(body=chat_completion(json.dumps({**VERDICT, "winner": "B"})))
        if seen.method == "POST" and seen.path == "/batches":
            assert seen.json()["input_file_id"] == "file-in"
            assert seen.json()["endpoint"] == "/v1/chat/completions"
            return Reply(body={"id": "batch_1", "status": "validating"})
        if seen.path == "/batches/batch_1":
            if not self.finished:
                return Reply(body={"id": "batch_1", "status": "in_progress"})
            return Reply(
                body={"id": "batch_1", "status": "completed", "output_file_id": "file-out", "error_file_id": "file-err"}
            )
        ids = self.custom_ids
        if seen.path == "/files/file-out/content":
            out = [
                {
                    "custom_id": ids[0],
                    "response": {
                        "status_code": 200,
                        "request_id": "req-b0",
                        "body": chat_completion(json.dumps(VERDICT)),
                    },
                },
                {
                    "custom_id": ids[1],
                    "response": {"status_code": 200, "request_id": "req-b1", "body": chat_completion("no idea")},
                },
            ]
            return Reply(
                body="\n".join(json.dumps(line) for line in out), headers={"content-type": "application/jsonl"}
            )
        if seen.path == "/files/file-err/content":
            err = {
                "custom_id": ids[2],
                "response": {"status_code": 400, "body": {"error": {"message": "bad"}}},
                "error": None,
            }
            return Reply(body=json.dumps(err), headers={"content-type": "application/jsonl"})
        return Reply(404, {"error": "unknown path " + seen.path})


class FakeAnthropicBatch:
    def __init__(self) -> None:
        self.custom_ids: list[str] = []
        self.url = ""
        self.finished = False
        self.created = 0

    def __call__(self, seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == "/v1/messages/batches":
            requests = seen.json()["requests"]
            self.custom_ids = [r["custom_id"] for r in requests]
            assert requests[0]["params"]["system"][0]["cache_control"] == {"type": "ephemeral"}
            self.created += 1
            return Reply(body={"id": "msgbatch_1", "processing_status": "in_progress"})
        if seen.path == "/v1/messages/batches/msgbatch_1":
            status = "ended" if self.finished else "in_progress"
            return Reply(
                body={"id": "msgbatch_1", "processing_status": status, "results_url": f"{self.url}/results/msgbatch_1"}
            )
        if seen.path == "/results/msgbatch_1":
            ids = self.custom_ids
            message = {
                "content": [{"type": "tool_use", "name": "record_verdict", "input": VERDICT}],
                "stop_reason": "tool_use",
                "usage": {"input_tokens": 400, "output_tokens": 30, "cache_read_input_tokens": 600},
            }
            lines = [
                {"custom_id": ids[0], "result": {"type": "succeeded", "message": message}},
                {
                    "custom_id": ids[1],
                    "result": {
                        "type": "errored",
                        "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "too long"}},
                    },
                },
                {"custom_id": ids[2], "result": {"type": "expired"}},
                {"custom_id": ids[3], "result": {"type": "canceled"}},
            ]
            return Reply(
                body="\n".join(json.dumps(line) for line in lines), headers={"content-type": "application/binary"}
            )
        return Reply(404, {"error": "unknown path " + seen.path})
