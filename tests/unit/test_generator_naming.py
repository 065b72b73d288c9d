"""Entity and field names become safe identifiers deterministically; labels keep the original."""

from __future__ import annotations

from webnova.generator.blueprint import Blueprint
from webnova.generator.naming import RESERVED_WORDS, entity_names, safe_identifiers, snake_case


def blueprint(entities: list[dict[str, object]]) -> Blueprint:
    return Blueprint.model_validate({
        "name": "T", "slug": "test", "domain": "general", "template": "api-only",
        "stack": {"frontend": "none", "backend": "express", "language": "typescript",
                  "database": "postgresql"},
        "entities": entities,
    })


def test_reserved_words_get_a_suffix_in_every_target_language() -> None:
    fields = safe_identifiers(["class", "select", "from", "import", "id"], kind="field",
                              reserved=RESERVED_WORDS | {"id"})
    assert fields == ["class_value", "select_value", "from_value", "import_value", "id_value"]


def test_arabic_names_are_transliterated_and_keep_their_label() -> None:
    names = entity_names(blueprint([{"name": "مقال", "fields": [
        {"name": "العنوان", "type": "string"}, {"name": "تاريخ النشر", "type": "date"}]}]))
    article = names[0]
    assert article.snake.isascii() and article.snake.isidentifier()
    assert article.label_ar == "مقال"
    assert [f.column for f in article.fields] == ["alanwan", "tarykh_alnshr"]
    assert [f.label_ar for f in article.fields] == ["العنوان", "تاريخ النشر"]


def test_names_that_collide_after_normalisation_get_numbered_suffixes() -> None:
    assert safe_identifiers(["Full Name", "full-name", "FULL_NAME"], kind="field") == [
        "full_name", "full_name_2", "full_name_3"]


def test_names_without_letters_or_starting_with_digits_become_valid_identifiers() -> None:
    assert safe_identifiers(["🙂", "2fa", "٣ أيام"], kind="field") == [
        "field_1", "n2fa", "n3_ayam"]


def test_identifiers_are_deterministic_across_calls() -> None:
    bp = blueprint([{"name": "Order", "fields": [{"name": "order", "type": "string"}]},
                    {"name": "Category", "fields": [{"name": "name", "type": "string"}]}])
    assert entity_names(bp) == entity_names(bp)
    order, category = entity_names(bp)
    assert (order.table, order.route, order.pascal) == ("orders", "orders", "Order")
    assert order.fields[0].column == "order_value"  # a SQL keyword as a column
    assert (category.table, category.route) == ("categories", "categories")


def test_entity_names_that_clash_with_generated_routes_are_renamed() -> None:
    names = entity_names(blueprint([{"name": "Auth", "fields": [{"name": "x", "type": "string"}]}]))
    assert names[0].snake == "auth_item"
    assert snake_case("OrderItem") == "order_item"
