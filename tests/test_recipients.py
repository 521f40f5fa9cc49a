"""Addresses: the quick path for plain ones gives email-validator's own answers."""

import itertools

import pytest
from email_validator import EmailNotValidError, validate_email

from dashboard.notify.recipients import normalise

LOCALS = ["aroha", "Aroha.Ngatiwai", "o'brien", "a+tag", "x" * 64, "x" * 65, ".dot", "dot.", "two..dots", "",
          "josé", "用户", "a b", '"quoted"', "a@b", "tilde~!#$%&*=?^_`{|}-", "ZOË"]  # fmt: skip
DOMAINS = ["patients.example.org", "PATIENTS.Example.ORG", "whānau.example.org", "例子.广告", "localhost",
           "-bad.org", "bad-.org", "a" * 64 + ".org", "x.y", "sub.domain.co.nz", "123.456", "[127.0.0.1]", "example",
           "ex_ample.org", "xn--whnau-gwa.example.org",
           "a." + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".org"]  # fmt: skip


def library(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@pytest.mark.parametrize("local,domain", list(itertools.product(LOCALS, DOMAINS)))
def test_the_quick_path_agrees_with_email_validator(local, domain):
    address = f"{local}@{domain}"
    assert normalise(address) == library(address)


@pytest.mark.parametrize("address", ["", "   ", None, "a@b.org\r\nBcc: x@y.org", "a@b.org, c@d.org", "no-at-sign"])
def test_what_is_never_an_address(address):
    assert normalise(address) is None


def test_surrounding_spaces_are_dropped():
    assert normalise("  aroha@patients.example.org ") == "aroha@patients.example.org"
