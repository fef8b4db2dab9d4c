// A minimal SVG writer: the few elements our plots use, with coordinates
// printed at fixed precision so that the same plot gives the same bytes.
#pragma once

#include <string>

namespace neuro::io {

// `v` with at most two decimals, trailing zeros dropped, never "-0".
std::string svg_num(double v);
std::string xml_escape(const std::string& s);

class SvgDocument {
 public:
  SvgDocument(double width, double height);

  void rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& stroke = "none", double stroke_width = 1);
  void line(double x1, double y1, double x2, double y2, const std::string& stroke,
            double width = 1);
  enum class Anchor { start, middle, end };
  // Text with its baseline at y; `rotated` turns it 90° counter-clockwise
  // about (x, y), for a vertical axis title.
  void text(double x, double y, const std::string& text, double size, Anchor anchor = Anchor::start,
            const std::string& fill = "#222", bool bold = false, bool rotated = false);
  // A path element; `attrs` is added verbatim (e.g. class="spikes").
  void path(const std::string& d, const std::string& stroke, double width,
            const std::string& fill = "none", const std::string& attrs = "");
  void comment(const std::string& text);
  void raw(const std::string& markup) { body_ += markup; }

  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
};

}  // namespace neuro::io
