"""Times streaming chat completions with the OpenAI Python SDK, one request at a time.

Usage: python openai_timing.py BASE_URL MODEL REQUESTS MAX_TOKENS
Each request carries a fresh W3C traceparent. Prints one JSON object per request: its trace id,
TTFT (request sent -> first chunk with content), the gaps between content chunks, E2E (all in ms),
and the usage the server reported. "Sent" is when the connection starts writing the request's
head (httpcore's "send_request_headers.started" trace event, asked for in httpx's request hook),
after the SDK and httpx have built, validated and routed it: their work before that is the
client's, not the server's, as it is for infertrace load, which stamps when the JDK client builds
the head it writes next.

A chunk's instant is when the bytes that complete its server-sent event came off the connection,
not when the SDK has parsed them into its objects and handed them over: that parsing is the
client's own work (1-2 ms a request in this interpreter), and infertrace load too stamps each
event's line as it arrives, before it parses it. httpx's transport is wrapped so that a thread of
its own reads the response body and stamps it as it arrives; the SDK reads the same bytes from it.
Without that thread, an event that arrived while the SDK was still parsing the one before (the
first token comes right after the role chunk) waited in the socket until the SDK asked for it. The
SDK still makes the request, decodes the stream and says which chunk holds content; the wrapper
only counts the events' ends, as the SSE format defines them (a blank line after a "data" field),
and the script stops with an error if its count and the chunks the SDK yielded disagree.
"""

import importlib
import json
import queue
import secrets
import sys
import threading
import time

import openai

# the HTTP package the SDK's own client is built on (openai 3.x: httpx2; before it: httpx)
httpx = importlib.import_module(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])


class _Arrivals(httpx.SyncByteStream):
    """The response body as the transport reads it, noting when each server-sent event ends.

    A thread of its own reads the connection, so that bytes are stamped as they arrive and not
    when the SDK, busy parsing the event before, next asks for them."""

    def __init__(self, inner, ends) -> None:
        self._inner, self._ends = inner, ends
        self._line, self._data = b"", False
        self._parts: queue.SimpleQueue = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for part in self._inner:
                self._note(time.perf_counter_ns(), part)
                self._parts.put(part)
            self._parts.put(None)
        except BaseException as e:  # handed to the reading side, which raises it
            self._parts.put(e)

    def _note(self, now: int, part: bytes) -> None:
        *lines, self._line = (self._line + part).split(b"\n")
        for line in lines:
            line = line.rstrip(b"\r")
            if not line:
                if self._data:
                    self._ends.append(now)
                self._data = False
            elif line.startswith(b"data"):
                self._data = True

    def __iter__(self):
        while (part := self._parts.get()) is not None:
            if isinstance(part, BaseException):
                raise part
            yield part

    def close(self) -> None:
        # The SDK closes the response once it has read "[DONE]", while this stream's thread may
        # still be reading the body's last chunk: closing then, from this thread, would hand the
        # connection back for the next request with httpcore's parser still in the other thread's
        # hands (seen: "Got data when expecting EOF" on the next request's head). Wait for it.
        self._reader.join(timeout=30)
        self._inner.close()


class _TimedTransport(httpx.BaseTransport):
    """httpx's own transport; each response's body read through _Arrivals."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.ends: list = []

    def handle_request(self, request):
        response = self._inner.handle_request(request)
        self.ends = []
        response.stream = _Arrivals(response.stream, self.ends)
        return response

    def close(self) -> None:
        self._inner.close()


def main() -> None:
    # the reading thread waits for the interpreter's lock while the main thread parses: let it
    # have the lock within 0.1 ms rather than the default 5 ms
    sys.setswitchinterval(0.0001)
    base_url, model, n, max_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sent = [0]
    transport = _TimedTransport()

    def on_trace(event: str, info) -> None:
        if event.endswith("send_request_headers.started"):
            sent[0] = time.perf_counter_ns()

    def on_request(request) -> None:
        sent[0] = 0
        request.extensions["trace"] = on_trace

    client = openai.OpenAI(
        base_url=base_url,
        api_key="not-a-real-key",
        max_retries=0,
        timeout=60,
        http_client=openai.DefaultHttpxClient(
            event_hooks={"request": [on_request]}, transport=transport
        ),
    )
    for i in range(n):
        trace_id = secrets.token_hex(16)
        traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        times, usage, chunks = [], None, 0
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
                # the SDK yields one chunk per event, in order, once that event has ended
                if chunks >= len(transport.ends):
                    sys.exit(f"request {i}: chunk {chunks + 1} came before its event's end")
                arrived = transport.ends[chunks]
                chunks += 1
                if chunk.usage is not None:
                    usage = chunk.usage
                if chunk.choices and chunk.choices[0].delta.content:
                    times.append(arrived)
        ends = transport.ends
        # every event but the closing "data: [DONE]" became a chunk
        if len(ends) != chunks + 1:
            sys.exit(f"request {i}: {len(ends)} events read, {chunks} chunks from the SDK")
        end = ends[-1]
        start = sent[0]
        if not start:
            sys.exit(f"request {i}: the connection reported no start of its head")
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
