// The C API's lifecycle (include/neuro/neuro.h): the version and result
// names, engine handles — NULL, made-up, released and reused ones refused by
// every call — and the header documenting each entry point.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>

#include "neuro/neuro.h"
#include "tests/unit/c_api_fixtures.h"
#include "tests/unit/shell.h"

using namespace neuro::testing;

TEST_CASE("c api: version, result names, strdup") {
  CHECK(std::string(neuro_version()) == std::to_string(NEURO_VERSION_MAJOR) + "." +
                                            std::to_string(NEURO_VERSION_MINOR) + "." +
                                            std::to_string(NEURO_VERSION_PATCH));
  CHECK(std::string(neuro_result_name(NEURO_OK)) == "NEURO_OK");
  CHECK(std::string(neuro_result_name(NEURO_COMPILE_ERROR)) == "NEURO_COMPILE_ERROR");
  CHECK(std::string(neuro_result_name(NEURO_RUNTIME_ERROR)) == "NEURO_RUNTIME_ERROR");
  CHECK(std::string(neuro_result_name(NEURO_USAGE_ERROR)) == "NEURO_USAGE_ERROR");
  CHECK(std::string(neuro_result_name(NEURO_INVALID_HANDLE)) == "NEURO_INVALID_HANDLE");
  CHECK(std::string(neuro_result_name(NEURO_BUFFER_TOO_SMALL)) == "NEURO_BUFFER_TOO_SMALL");
  CHECK(std::string(neuro_result_name(NEURO_OUT_OF_MEMORY)) == "NEURO_OUT_OF_MEMORY");
  CHECK(std::string(neuro_result_name(NEURO_INTERNAL_ERROR)) == "NEURO_INTERNAL_ERROR");
  CHECK(std::string(neuro_result_name(static_cast<neuro_result>(99))) == "NEURO_UNKNOWN_RESULT");
  char* s = neuro_strdup("abc");
  REQUIRE(s != nullptr);
  CHECK(std::string(s) == "abc");
  std::free(s);
  CHECK(neuro_strdup(nullptr) == nullptr);
}

TEST_CASE("c api: NULL, made-up and released handles are refused by every call") {
  every_call_answers(nullptr, NEURO_INVALID_HANDLE);
  CHECK(contains(last_error(), "NULL"));

  // Values that never came from neuro_new(), including a real pointer.
  int local = 0;
  every_call_answers(reinterpret_cast<neuro_engine*>(&local), NEURO_INVALID_HANDLE);
  every_call_answers(reinterpret_cast<neuro_engine*>(uintptr_t(0x12345)), NEURO_INVALID_HANDLE);
  every_call_answers(reinterpret_cast<neuro_engine*>(~uintptr_t(0)), NEURO_INVALID_HANDLE);

  // Use after release: the handle is stale even when its slot is reused.
  neuro_engine* e = built();
  neuro_free(e);
  every_call_answers(e, NEURO_INVALID_HANDLE);
  CHECK(contains(last_error(), "released"));
  neuro_free(e);        // a second release is ignored
  neuro_free(nullptr);  // as is NULL
  neuro_engine* again = neuro_new(nullptr);
  REQUIRE(again != nullptr);
  CHECK(again != e);
  int b = 1;
  CHECK(neuro_built(e, &b) == NEURO_INVALID_HANDLE);
  CHECK(neuro_built(again, &b) == NEURO_OK);
  CHECK(b == 0);
  neuro_free(e);  // must not release `again`
  CHECK(neuro_built(again, &b) == NEURO_OK);
  neuro_free(again);

  // Handles are never handed out twice.
  std::set<neuro_engine*> handles;
  for (int i = 0; i < 200; ++i) {
    neuro_engine* h = neuro_new(nullptr);
    REQUIRE(h != nullptr);
    CHECK(handles.insert(h).second);
    neuro_free(h);
  }
}

TEST_CASE("c api: every function in neuro.h is documented there and in docs/embedding.md") {
  const std::string header = slurp(NEURO_SOURCE_DIR "/include/neuro/neuro.h");
  const std::string docs = slurp(NEURO_SOURCE_DIR "/docs/embedding.md");
  REQUIRE(!header.empty());
  REQUIRE(!docs.empty());
  // Each declaration follows a comment that ends right above it.
  static const std::regex decl(R"re(\*/\nNEURO_API [^;]*?\b(neuro_\w+)\()re");
  static const std::regex any(R"re(NEURO_API [^;]*?\b(neuro_\w+)\()re");
  std::set<std::string> documented, declared;
  for (std::sregex_iterator it(header.begin(), header.end(), decl), end; it != end; ++it)
    documented.insert((*it)[1]);
  for (std::sregex_iterator it(header.begin(), header.end(), any), end; it != end; ++it)
    declared.insert((*it)[1]);
  CHECK(declared.size() >= 34);
  for (const auto& name : declared) {
    CAPTURE(name);
    CHECK(documented.count(name) == 1);
    CHECK(docs.find(name + "(") != std::string::npos);
  }
}
