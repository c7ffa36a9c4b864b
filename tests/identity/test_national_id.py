import pytest

from jifen.identity import masking, national_id

# Published sample number from the GB 11643-1999 standard's check-digit examples.
VALID = "11010519491231002X"


def test_valid_number_passes_and_is_normalised():
    assert national_id.validate(" 11010519491231002x ") == VALID


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("110105194912310021", "check digit"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "17 digits"),
        ("110105194913310026", "does not exist"),
    ],
)
def test_invalid_numbers_say_why(raw, fragment):
    with pytest.raises(national_id.InvalidNationalId) as info:
        national_id.validate(raw)
    assert fragment in str(info.value)


def test_check_digit_matches_standard_examples():
    assert national_id.check_digit("11010519491231002") == "X"
    assert national_id.check_digit("44052418800101001") == "4"


def test_masks_keep_only_what_public_lists_show():
    assert masking.mask("33040219900101123X") == "3304**********123X"
    assert masking.mask_name("张小明") == "张*明"
    assert masking.mask_name("李四") == "李*"
    assert masking.mask_name("欧阳小明") == "欧**明"
    assert masking.mask_mobile("13912345678") == "139****5678"
