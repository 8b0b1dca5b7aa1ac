"""Production SearchIndex adapters: OpenSearch (opensearch-py) and Elasticsearch (elasticsearch)."""
