"""French sentences around members' names: the article each takes, and `de` / `à` with it."""

from __future__ import annotations

import pytest

from gateway.console.formatting import article, of, to


@pytest.mark.parametrize(
    ("name", "with_article", "with_de", "with_a"),
    [
        ("Région Île-de-France", "la Région Île-de-France", "de la Région", "à la Région"),
        ("Département des Hauts-de-Seine", "le Département", "du Département", "au Département"),
        ("Académie de Versailles", "l'Académie de Versailles", "de l'Académie", "à l'Académie"),
        ("Ministère de l'Éducation nationale", "le Ministère", "du Ministère", "au Ministère"),
        ("Caisse des Dépôts", "la Caisse des Dépôts", "de la Caisse", "à la Caisse"),
        ("Ville de Nanterre", "la Ville de Nanterre", "de la Ville", "à la Ville"),
        # A name the table does not know is written bare; `de` elides before a vowel.
        ("Orange Éducation", "Orange Éducation", "d'Orange", "à Orange"),
        ("Nanterre", "Nanterre", "de Nanterre", "à Nanterre"),
        # … and a name's own article contracts: "du Havre", "des Mureaux".
        ("Le Havre Seine Métropole", "Le Havre Seine Métropole", "du Havre", "au Havre"),
        ("Les Mureaux", "Les Mureaux", "des Mureaux", "aux Mureaux"),
    ],
)
def test_names_take_their_article(name, with_article, with_de, with_a):
    assert article(name).startswith(with_article)
    assert of(name).startswith(with_de)
    assert to(name).startswith(with_a)
