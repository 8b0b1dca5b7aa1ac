"""Pure renderers: a custom resource in, the desired Kubernetes manifests, topics or CQL out.

One module per kind of child (CloudNativePG's pkg/specs); no I/O, no clocks, no cluster.
"""
