"""Fixtures for the tests and scripts, not for the library: tiny models built offline (random
weights, a tokenizer trained on a few hundred lines) and the golden segmentation cases' reader.
The library never imports it (a test checks); it may import anything below the CLI."""
