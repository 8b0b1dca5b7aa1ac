"""Reconcile flows: read the resource, render, apply, observe, report conditions.

The Kopf handlers in handlers.py are one-liners into these; the flows hold no Kubernetes object
assembly (render/) and no client code (apply/).
"""
