"""Batches, essay uploads, text extraction and storage of every text (essays, prompts, rubrics,
anchors).
"""
