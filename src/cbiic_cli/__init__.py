"""cbiic: who said what at the CBIIC 2024 Oncology Drugs Clinical Research Forum."""

__version__ = "0.1.0"
