"""Text: segmentation, cleaning, language, numbers, checks, extractive summaries; no torch, no
network.

It may import errors, types and config; it may not import models, batch, the stages or the CLI.
"""
