package dev.ponder.router.eval;

import java.util.List;
import java.util.Locale;

/** A small line chart of quality against the share of strong calls, as standalone SVG. */
public final class SvgPlot {
    /** A named curve of (x, y) points, x and y in the plot's units. */
    public record Series(String name, String colour, List<double[]> points) {}

    private static final int W = 640, H = 440, LEFT = 60, RIGHT = 170, TOP = 30, BOTTOM = 50;

    private SvgPlot() {}

    public static String render(String title, String xLabel, String yLabel, List<Series> series) {
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] p : s.points()) {
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        double pad = Math.max(1e-3, (yMax - yMin) * 0.05);
        yMin -= pad;
        yMax += pad;
        StringBuilder svg = new StringBuilder();
        svg.append(f(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
                        + " font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                W, H));
        svg.append(f("<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        int plotW = W - LEFT - RIGHT, plotH = H - TOP - BOTTOM;
        svg.append(f(
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                LEFT, TOP, plotW, plotH));
        for (int i = 0; i <= 5; i++) {
            double x = LEFT + plotW * i / 5.0;
            double y = TOP + plotH - plotH * i / 5.0;
            svg.append(
                    f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>%n", x, TOP + plotH + 16, i / 5.0));
            svg.append(f(
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>%n",
                    LEFT - 4, y + 4, yMin + (yMax - yMin) * i / 5.0));
        }
        svg.append(f(
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                LEFT + plotW / 2, H - 12, escape(xLabel)));
        svg.append(f(
                "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>%n",
                TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
        int legendY = TOP + 10;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (double[] p : s.points()) {
                double x = LEFT + plotW * p[0];
                double y = TOP + plotH - plotH * (p[1] - yMin) / (yMax - yMin);
                pts.append(f("%.1f,%.1f ", x, y));
            }
            svg.append(f(
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n",
                    s.colour(), pts.toString().strip()));
            svg.append(f(
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    W - RIGHT + 10, legendY, W - RIGHT + 30, legendY, s.colour()));
            svg.append(f("<text x=\"%d\" y=\"%d\">%s</text>%n", W - RIGHT + 35, legendY + 4, escape(s.name())));
            legendY += 18;
        }
        return svg.append("</svg>\n").toString();
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
