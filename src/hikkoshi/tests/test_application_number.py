"""The application number (申請番号): its alphabet, its check character, how it is typed."""

from hikkoshi import application_number


def sample_numbers(n=300):
    return [application_number.generate() for _ in range(n)]


def test_a_number_is_ten_characters_of_the_unambiguous_alphabet_in_two_groups():
    for number in sample_numbers():
        assert application_number.PATTERN.match(number), number
        assert not set(number) & set("ILOU")
        assert application_number.parse(number) == number


def test_every_single_wrong_character_is_caught():
    for number in sample_numbers(60):
        compact = number.replace("-", "")
        for i, right in enumerate(compact):
            for wrong in application_number.ALPHABET:
                if wrong != right:
                    typed = compact[:i] + wrong + compact[i + 1 :]
                    assert application_number.parse(typed) is None, (number, typed)


def test_every_swap_of_neighbours_is_caught():
    for number in sample_numbers(300):
        compact = number.replace("-", "")
        for i in range(len(compact) - 1):
            if compact[i] != compact[i + 1]:
                swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
                assert application_number.parse(swapped) is None, (number, swapped)


def test_a_number_is_read_however_it_is_typed():
    number = application_number.generate()
    compact = number.replace("-", "")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in number)
    for typed in (
        number,
        compact,
        compact.lower(),
        f" {compact[:5]} {compact[5:]} ",
        fullwidth,
        f"{compact[:5]}ー{compact[5:]}",
        f"{compact[:3]}-{compact[3:7]}-{compact[7:]}",
        f"{compact[:5]}－{compact[5:].lower()}",
    ):
        assert application_number.parse(typed) == number, typed
    # Crockford's readings: a typed O is 0, I and L are 1.
    with_zero = application_number.display("0" * 9 + application_number.check_character("0" * 9))
    assert application_number.parse(with_zero.replace("0", "O")) == with_zero
    with_one = application_number.display("1" * 9 + application_number.check_character("1" * 9))
    assert application_number.parse(with_one.replace("1", "l")) == with_one
    assert application_number.parse(with_one.replace("1", "I")) == with_one
    for nonsense in ("", "   ", "ABC", compact + "0", "札幌 太郎", compact[:-1] + "U", None):
        assert application_number.parse(nonsense) is None
