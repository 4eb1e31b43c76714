"""The LLM gateway: OpenAI/Anthropic-compatible front doors, providers, routing, cache."""
