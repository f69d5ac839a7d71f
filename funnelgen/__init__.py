"""funnelgen: YAML funnel definitions in, a fast static sales-funnel site out."""

__version__ = "0.1.0"
