"""Rookery's AI layer: moderation, embeddings, ranking and anomaly models behind KServe's model server.

Importing this package is cheap; the heavy libraries (kserve, torch, scikit-learn) load with the
module that needs them.
"""

MODEL_NAMES: tuple[str, ...] = ("moderation", "embeddings", "ranking", "anomaly")
