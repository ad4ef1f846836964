"""Model backends: in-process llama.cpp and local OpenAI-compatible servers."""
