"""The site format, declared once: validation, error messages, JSON Schema and docs come from it."""

from funnelgen.schema.funnel import NOINDEX_TYPES, STEP_TYPES, Funnel, Step, StepBase
from funnelgen.schema.site import Site

__all__ = ["NOINDEX_TYPES", "STEP_TYPES", "Funnel", "Site", "Step", "StepBase"]
