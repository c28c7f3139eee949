"""The durable LLM comparison queue, provider adapters, prompts, rate limits, retries, and exactly
one callback per comparison.
"""
