"""Scripts that read a Chart.js chart in the page, for the report browser tests."""


def chart_scripts(selector: str) -> tuple[str, str]:
    """For the chart's canvas at `selector`: a function telling whether Chart.js drew it (its
    canvas holds painted pixels), and an expression giving the chart's labels (none while a
    redraw has replaced the canvas and not yet made its chart)."""
    chart = f"() => document.querySelector({selector!r})"
    drawn = f"""() => {{
  const canvas = ({chart})();
  if (!canvas || !window.Chart || !Chart.getChart(canvas) || !canvas.width) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  return pixels.some((value, index) => index % 4 === 3 && value > 0);
}}"""
    return drawn, f"(Chart.getChart(({chart})())?.data.labels ?? [])"
