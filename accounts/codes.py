"""One-time codes that a person types from a slip or a screen: twelve characters from an alphabet
without the look-alikes 0/O and 1/I (60 bits from `secrets`), shown in groups of four. Only the
SHA-256 digest is stored; a code is read back case-blind, without spaces or dashes."""

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: 5 bits each
LENGTH = 12
GROUP = 4


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalized(text: str) -> str:
    """What was typed, as the code was made: upper case, no separators."""
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())


def digest(text: str) -> str:
    return hashlib.sha256(normalized(text).encode("ascii")).hexdigest()


def well_formed(text: str) -> bool:
    code = normalized(text)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
