"""Errors a service raises when input is wrong. Pages show them beside the field; the API answers 400."""


class InputError(ValueError):
    """Bad input, named by field. Raised before anything is written."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict:
        return {"field": self.field, "reason": self.reason}
