"""Masking: personal values keep their shape but never appear in clear."""

from __future__ import annotations

import pandas as pd
import pytest

from data_quality.masking import mask_frame, mask_value, scrub_text


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("national_id", "001190012345", "001#########"),
        ("national_id", "12a45", "##x##"),
        ("phone", "0912 345 678", "091# ### ###"),
        ("date_of_birth", "31/02/1990", "##/##/####"),
        ("full_name", "Nguyễn Thị Thủy", "N***** T** T***"),
        ("sex", "Nam", "Nam"),  # not personal: shown as is, so a bad code can be fixed in the value map
        ("national_id", None, None),
    ],
)
def test_mask_value(field, value, expected):
    assert mask_value(field, value) == expected


def test_mask_frame_masks_only_personal_columns():
    frame = pd.DataFrame({"full_name": ["Đặng Văn Hưng"], "street": ["Tân Mai"], "national_id": ["036085001234"]})
    masked = mask_frame(frame)
    assert masked.loc[0, "street"] == "Tân Mai"
    assert "Hưng" not in masked.to_string() and "085001234" not in masked.to_string()


def test_scrub_text_hides_digit_runs_in_library_messages():
    assert scrub_text("invalid literal for int(): '001190012345x'") == "invalid literal for int(): '############x'"
