"""ics-accredit: executable accreditation of children's social-care case-management systems."""

__version__ = "0.1.0"
