"""Picking the program out of a model's answer."""

from core.extract import code_blocks, extract_code, java_entry_class, language_for_code
from core.languages import resolve_language

PY = resolve_language("python")


def test_last_block_of_the_target_language_wins():
    text = "```python\nprint(1)\n```\ntext\n```py\nprint(2)\n```\n```bash\necho 3\n```\n"
    assert extract_code(text, PY) == "print(2)\n"


def test_untagged_block_is_used_when_no_block_names_the_language():
    assert extract_code("```\nprint(1)\n```\n```js\nconsole.log(2)\n```", PY) == "print(1)\n"


def test_block_of_another_language_only_is_no_code():
    assert extract_code("```javascript\nconsole.log(1)\n```", PY) is None


def test_unclosed_block_cut_off_by_the_token_limit_is_not_complete():
    assert extract_code("```python\nprint(1)\n```\n```python\nprint(2", PY) == "print(1)\n"
    assert extract_code("```python\nprint(2", PY) is None


def test_longer_fence_keeps_inner_triple_backticks_inside():
    text = '````python\ns = """\n```\n"""\nprint(s)\n````'
    assert extract_code(text, PY) == 's = """\n```\n"""\nprint(s)\n'


def test_tilde_fences_and_info_string_words_after_the_tag():
    assert code_blocks("~~~python title=x\nprint(1)\n~~~")[0].tag == "python title=x"
    assert extract_code("~~~python title=x\nprint(1)\n~~~", PY) == "print(1)\n"


def test_java_public_class_named_otherwise_moves_file_and_commands():
    java = resolve_language("java")
    code = "public class Solution {\n  public static void main(String[] a) {}\n}\n"
    adapted = language_for_code(java, code)
    assert adapted.source_file == "Solution.java"
    assert "Solution.java" in adapted.compile and adapted.run[-1] == "Solution"
    assert language_for_code(java, "public class Main { }") is java


def test_java_without_public_class_starts_the_class_declaring_main():
    code = "class Helper {}\nclass App {\n  static void main(String[] a) {}\n}\n"
    assert java_entry_class(code) == "App"


def test_an_empty_code_block_is_no_code():
    assert extract_code("```python\n\n```\n", resolve_language("python")) is None
