"""Batch: many documents into one resumable JSONL file; items, records, resume state, local and Ray engines.

It may import the pipeline and everything below it, but never the CLI; only ray_engine imports ray.
"""
