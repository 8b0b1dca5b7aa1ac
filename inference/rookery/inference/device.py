"""CPU or GPU: the models run on CUDA when torch sees one."""

from __future__ import annotations

import os


def pick_device() -> str:
    """'cuda' when a GPU is visible to torch, else 'cpu'; ROOKERY_INFERENCE_DEVICE overrides."""
    forced = os.environ.get("ROOKERY_INFERENCE_DEVICE", "")
    if forced:
        return forced
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
