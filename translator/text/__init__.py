"""Text: segmentation, cleaning, language, numbers, checks and extractive summaries; no torch, no network.

It may import errors, types and config, and nothing from models, batch, the stages or the CLI.
"""
