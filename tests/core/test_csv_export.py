from core.csv_export import csv_response


def test_csv_is_utf8_with_a_bom_and_formulas_are_defused():
    response = csv_response(
        filename="x.csv",
        header=["Название", "Сумма"],
        rows=[['=HYPERLINK("http://evil")', 10], ["-2+3", "ok"], ["Ромашка", 5]],
    )

    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert body.splitlines() == [
        "\ufeffНазвание,Сумма",
        '"\'=HYPERLINK(""http://evil"")",10',
        "'-2+3,ok",
        "Ромашка,5",
    ]
