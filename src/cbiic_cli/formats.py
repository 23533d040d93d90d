"""The output formats, in a module of their own so the CLI can name them without importing a renderer."""

import enum


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    markdown = "markdown"
    md = "md"  # an alias of markdown

    @property
    def canonical(self) -> "OutputFormat":
        return OutputFormat.markdown if self is OutputFormat.md else self


ROW_FORMATS = (OutputFormat.jsonl, OutputFormat.csv, OutputFormat.tsv)
# Formats written as UTF-8 whatever the terminal's encoding: files for the next program, not for the terminal.
UTF8_FORMATS = (OutputFormat.json, OutputFormat.jsonl, OutputFormat.csv, OutputFormat.tsv, OutputFormat.markdown)
