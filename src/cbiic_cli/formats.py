"""The output formats, in a module of their own so the CLI can name them without importing a renderer."""

import enum


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
