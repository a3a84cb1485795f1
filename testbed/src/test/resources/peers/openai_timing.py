"""Times streaming chat completions with the OpenAI Python SDK, one request at a time.

Usage: python openai_timing.py BASE_URL MODEL REQUESTS MAX_TOKENS
Each request carries a fresh W3C traceparent. Prints one JSON object per request: its trace id,
TTFT (request sent -> first chunk with content), the gaps between content chunks, E2E (all in ms),
and the usage the server reported. "Sent" is when httpx is about to send the request (its request
event hook), after the SDK has built and validated it: the SDK's own work before that is the
client's, not the server's, as it is for infertrace load, which stamps when the JDK client starts
writing the request.
"""

import json
import secrets
import sys
import time

import openai


def main() -> None:
    base_url, model, n, max_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sent = [0]

    def on_request(request) -> None:
        sent[0] = time.perf_counter_ns()

    client = openai.OpenAI(
        base_url=base_url,
        api_key="not-a-real-key",
        max_retries=0,
        timeout=60,
        http_client=openai.DefaultHttpxClient(event_hooks={"request": [on_request]}),
    )
    for i in range(n):
        trace_id = secrets.token_hex(16)
        traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        times, usage = [], None
        with client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": f"request {i}: why was this request slow"}],
            max_tokens=max_tokens,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"ignore_eos": True},
            extra_headers={"traceparent": traceparent},
        ) as stream:
            for chunk in stream:
                now = time.perf_counter_ns()
                if chunk.usage is not None:
                    usage = chunk.usage
                if chunk.choices and chunk.choices[0].delta.content:
                    times.append(now)
        end = time.perf_counter_ns()
        start = sent[0]
        print(
            json.dumps(
                {
                    "trace_id": trace_id,
                    "ttft_ms": (times[0] - start) / 1e6,
                    "itl_ms": [(b - a) / 1e6 for a, b in zip(times, times[1:])],
                    "e2e_ms": (end - start) / 1e6,
                    "output_tokens": usage.completion_tokens if usage else None,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
