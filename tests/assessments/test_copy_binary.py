"""The binary COPY stream: exact bytes for a small frame, and what PostgreSQL reads back from it — every fixed-width
type, NULL in each, extreme values."""

import io
import math

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from assessments.services.copy_binary import HEADER, TRAILER, binary_rows, binary_types

FRAME = pd.DataFrame({
    "s": pd.array([1, None, -32768], dtype="Int64"), "i": pd.array([2**31 - 1, 7, None], dtype="Int64"),
    "b": [9_007_199_254_740_993, -1, 0], "d": [0.1, math.inf, np.nan], "t": pd.array([True, None, False], "boolean"),
})
TYPES = ["smallint", "integer", "bigint", "double precision", "boolean"]


def test_the_bytes_of_a_row_are_its_fields_lengths_and_big_endian_values():
    frame = pd.DataFrame({"a": [5], "b": [np.nan], "c": [1.5]})
    got = binary_rows(frame, binary_types(["bigint", "double precision", "double precision"]))
    row = (b"\x00\x03" + b"\x00\x00\x00\x08" + (5).to_bytes(8, "big") + b"\xff\xff\xff\xff"
           + b"\x00\x00\x00\x08" + np.array([1.5], ">f8").tobytes())
    assert got == HEADER + row + TRAILER
    assert binary_rows(frame.iloc[:0], binary_types(["bigint", "double precision", "double precision"])) == \
        HEADER + TRAILER


def test_columns_without_a_fixed_width_go_another_way():
    assert binary_types(["bigint", "jsonb"]) is None
    assert binary_types(TYPES) == [">i2", ">i4", ">i8", ">f8", "?"]


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="binary COPY is PostgreSQL's")
def test_postgresql_reads_back_every_value_and_null():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copied (s smallint, i integer, b bigint, d double precision, t boolean)")
        cursor.copy_expert("COPY copied FROM STDIN WITH (FORMAT binary)",
                           io.BytesIO(binary_rows(FRAME, binary_types(TYPES))))
        cursor.execute("SELECT s, i, b, d, t FROM copied")
        rows = cursor.fetchall()
    assert rows == [(1, 2**31 - 1, 9_007_199_254_740_993, 0.1, True), (None, 7, -1, math.inf, None),
                    (-32768, None, 0, None, False)]
