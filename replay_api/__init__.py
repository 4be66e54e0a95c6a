"""The replay API server: ingest from mixpanel-browser and rrweb, query API for viewers."""
