"""Transformer test models, written the way PyTorch / Hugging Face export
them (see gen_test_models.py for the output layout)."""

# Each entry: build(dest, rng, save).
TRANSFORMERS = []
