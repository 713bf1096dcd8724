"""Models: the Model protocol and its backends; the only package that imports torch, transformers,
ctranslate2 or huggingface_hub.

It may import config and errors, and nothing else of translator's.
"""

from .base import Generated, Model, cap_new_tokens, load_model

__all__ = ["Generated", "Model", "cap_new_tokens", "load_model"]
