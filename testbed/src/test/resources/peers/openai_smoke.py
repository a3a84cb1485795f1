"""Calls an OpenAI-compatible server with the OpenAI Python SDK, streaming and not.

Usage: python openai_smoke.py BASE_URL MODEL PROMPT
Prints one JSON object: what the SDK saw, for the Java test to check.
"""

import json
import sys

import openai


def main() -> None:
    base_url, model, prompt = sys.argv[1:4]
    client = openai.OpenAI(base_url=base_url, api_key="not-a-real-key", max_retries=0, timeout=30)
    messages = [{"role": "user", "content": prompt}]

    plain = client.chat.completions.create(model=model, messages=messages)

    text, finish_reasons, usage, chunks = [], [], None, 0
    with client.chat.completions.create(
        model=model, messages=messages, stream=True, stream_options={"include_usage": True}
    ) as stream:
        for chunk in stream:
            chunks += 1
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                if choice.delta.content:
                    text.append(choice.delta.content)
                if choice.finish_reason:
                    finish_reasons.append(choice.finish_reason)

    print(
        json.dumps(
            {
                "sdk_version": openai.__version__,
                "plain": {
                    "id": plain.id,
                    "content": plain.choices[0].message.content,
                    "finish_reason": plain.choices[0].finish_reason,
                    "completion_tokens": plain.usage.completion_tokens,
                },
                "stream": {
                    "content": "".join(text),
                    "finish_reasons": finish_reasons,
                    "chunks": chunks,
                    "completion_tokens": usage.completion_tokens if usage else None,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
