"""Tokens and examples of the tiny model (docs/trainer-contract.md, "The model": Tokens, Examples)."""
import numpy as np

CONTEXT = 3
VOCABULARY = 32
END_OF_LINE = 1
TOKENS = {chr(ord("a") + i): 2 + i for i in range(26)}
TOKENS.update({" ": 28, ".": 29, ",": 30, "'": 31})


class DataFileError(Exception):
    """A data file that cannot be read or holds a character with no token; `line` is 1-based or None."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


def read_examples(path):
    """(contexts [N, 3] int64, targets [N] int64) in file order: line by line, position by position."""
    try:
        with open(path, "rb") as data:
            raw = data.read()
    except OSError as error:
        raise DataFileError(f"it cannot be read ({error.strerror})") from None

    contexts, targets = [], []
    # Split on \n only (a \r is a character like any other, and has no token).
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line:
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise DataFileError(f"line {number} is not UTF-8 text", number) from None
        tokens = []
        for column, character in enumerate(text, start=1):
            token = TOKENS.get(character)
            if token is None:
                raise DataFileError(f"line {number}, column {column}: the character {character!r} has no token (only a-z, space, '.', ',' and \"'\")", number)
            tokens.append(token)
        tokens.append(END_OF_LINE)
        padded = [0] * CONTEXT + tokens
        for p, target in enumerate(tokens):
            contexts.append(padded[p:p + CONTEXT])
            targets.append(target)

    if not targets:
        raise DataFileError("it holds no examples (every line is empty)")
    return np.array(contexts, dtype=np.int64), np.array(targets, dtype=np.int64)
