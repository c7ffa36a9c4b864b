"""Personal data in log records is masked, in our records and in the libraries' (jifen.identity.masking)."""

from __future__ import annotations

import logging

from jifen.identity.masking import mask_text


def test_id_and_mobile_numbers_are_masked_in_text():
    assert mask_text("id 330402199102110019, mobile 13912345678, run 386312874187075584") == \
        "id 3304**********0019, mobile 139****5678, run 386312874187075584"  # a row id is no ID number


def test_log_records_of_any_logger_are_made_masked(app, caplog):
    with caplog.at_level(logging.WARNING):
        logging.getLogger("sqlalchemy.engine").warning("Failing row contains (%s, %s)", "330402199203120021",
                                                       "13912345678")
        logging.getLogger("jifen").warning("login of 13800000000 failed")
    assert "330402199203120021" not in caplog.text and "13912345678" not in caplog.text
    assert "3304**********0021" in caplog.text and "139****5678" in caplog.text and "138****0000" in caplog.text
