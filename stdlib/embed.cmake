# Writes OUT: a C++ table of (module name, text) for every DIR/*.neuro.
file(GLOB files ${DIR}/*.neuro)
list(SORT files)
set(body "// Generated from stdlib/*.neuro by embed.cmake; do not edit.\n#include <cstddef>\nnamespace neuro::stdlib {\nstruct Entry { const char* name; const char* text; };\nextern const Entry kEntries[] = {\n")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  # A raw string with a delimiter that cannot appear in .neuro text.
  string(APPEND body "  {\"stdlib.${name}\", R\"neuro_stdlib(${text})neuro_stdlib\"},\n")
endforeach()
string(APPEND body "  {nullptr, nullptr}};\n}  // namespace neuro::stdlib\n")
file(WRITE ${OUT} "${body}")
