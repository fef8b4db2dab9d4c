#include "io/svg.h"

#include <fmt/format.h>

#include <cmath>

namespace neuro::io {

std::string svg_num(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

SvgDocument::SvgDocument(double width, double height) : width_(width), height_(height) {}

void SvgDocument::rect(double x, double y, double w, double h, const std::string& fill,
                       const std::string& stroke, double stroke_width) {
  body_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"", svg_num(x),
                       svg_num(y), svg_num(w), svg_num(h), fill);
  if (stroke != "none")
    body_ += fmt::format(" stroke=\"{}\" stroke-width=\"{}\"", stroke, svg_num(stroke_width));
  body_ += "/>\n";
}

void SvgDocument::line(double x1, double y1, double x2, double y2, const std::string& stroke,
                       double width) {
  body_ += fmt::format(
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>\n",
      svg_num(x1), svg_num(y1), svg_num(x2), svg_num(y2), stroke, svg_num(width));
}

void SvgDocument::text(double x, double y, const std::string& text, double size, Anchor anchor,
                       const std::string& fill, bool bold, bool rotated) {
  const char* a = anchor == Anchor::start ? "start" : anchor == Anchor::middle ? "middle" : "end";
  body_ += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{}\" fill=\"{}\"",
                       svg_num(x), svg_num(y), svg_num(size), a, fill);
  if (bold) body_ += " font-weight=\"bold\"";
  if (rotated) body_ += fmt::format(" transform=\"rotate(-90 {} {})\"", svg_num(x), svg_num(y));
  body_ += fmt::format(">{}</text>\n", xml_escape(text));
}

void SvgDocument::path(const std::string& d, const std::string& stroke, double width,
                       const std::string& fill, const std::string& attrs) {
  body_ += "<path";
  if (!attrs.empty()) body_ += " " + attrs;
  body_ +=
      fmt::format(" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"", fill, stroke, svg_num(width));
  if (stroke != "none") body_ += " stroke-linejoin=\"round\"";
  body_ += fmt::format(" d=\"{}\"/>\n", d);
}

void SvgDocument::comment(const std::string& text) {
  std::string t = text;
  for (size_t p; (p = t.find("--")) != std::string::npos;) t.replace(p, 2, "- -");
  body_ += fmt::format("<!-- {} -->\n", t);
}

std::string SvgDocument::str() const {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{2}</svg>\n",
      svg_num(width_), svg_num(height_), body_);
}

}  // namespace neuro::io
