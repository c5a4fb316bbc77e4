#pragma once
// Descriptor pools for the HTTP transcoding tests, built the way the proxy builds its pool at
// discovery: from FileDescriptorProtos, with google.api.http carried as raw option bytes (an
// unknown field unless the generated extension happens to be linked in).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

#include "google/api/http.pb.h"
#include "google/api/httpbody.pb.h"

namespace cloudstate::proxy::http::test_pool {

namespace pb = google::protobuf;

// Adds `file` and its dependencies (dependencies first) to `out`.
inline void CollectFiles(const pb::FileDescriptor* file, std::set<std::string>* seen,
                         std::vector<pb::FileDescriptorProto>* out) {
  if (!seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    CollectFiles(file->dependency(i), seen, out);
  }
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out->push_back(std::move(proto));
}

inline std::unique_ptr<pb::DescriptorPool> BuildPool(
    const std::vector<pb::FileDescriptorProto>& files) {
  auto pool = std::make_unique<pb::DescriptorPool>();
  for (const pb::FileDescriptorProto& file : files) {
    if (pool->FindFileByName(file.name()) != nullptr) {
      continue;
    }
    EXPECT_NE(pool->BuildFile(file), nullptr) << file.name();
  }
  return pool;
}

// A copy of the generated pool's file (and dependencies) in a pool of its own.
inline std::unique_ptr<pb::DescriptorPool> PoolOf(const pb::FileDescriptor* file) {
  std::set<std::string> seen;
  std::vector<pb::FileDescriptorProto> files;
  CollectFiles(file, &seen, &files);
  return BuildPool(files);
}

inline void SetRule(pb::MethodDescriptorProto* method, const google::api::HttpRule& rule) {
  method->mutable_options()
      ->GetReflection()
      ->MutableUnknownFields(method->mutable_options())
      ->AddLengthDelimited(72295728, rule.SerializeAsString());
}

inline google::api::HttpRule Rule(const std::string& text) {
  google::api::HttpRule rule;
  EXPECT_TRUE(pb::TextFormat::ParseFromString(text, &rule)) << text;
  return rule;
}

// package t; messages Req / Resp / Inner / Deep, enum Kind, service t.Svc with methods
// Get, Stream (server-streaming), Raw (returns google.api.HttpBody), Plain, Upload
// (client-streaming). `rules` maps method names to google.api.http rules in text format.
inline constexpr char kTestFile[] = R"pb(
  name: "t/test.proto"
  package: "t"
  dependency: "google/api/httpbody.proto"
  syntax: "proto3"
  enum_type {
    name: "Kind"
    value { name: "KIND_UNSPECIFIED" number: 0 }
    value { name: "KIND_A" number: 1 }
  }
  message_type {
    name: "Deep"
    field { name: "leaf" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "Inner"
    field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "count" number: 2 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field { name: "deep" number: 4 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".t.Deep" }
  }
  message_type {
    name: "Req"
    field { name: "id" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "i32" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }
    field { name: "i64" number: 3 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field { name: "u32" number: 4 label: LABEL_OPTIONAL type: TYPE_UINT32 }
    field { name: "u64" number: 5 label: LABEL_OPTIONAL type: TYPE_UINT64 }
    field { name: "flag" number: 6 label: LABEL_OPTIONAL type: TYPE_BOOL }
    field { name: "d" number: 7 label: LABEL_OPTIONAL type: TYPE_DOUBLE }
    field { name: "f" number: 8 label: LABEL_OPTIONAL type: TYPE_FLOAT }
    field { name: "b" number: 9 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "kind" number: 10 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".t.Kind" }
    field {
      name: "inner"
      number: 11
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".t.Inner"
    }
    field { name: "tags" number: 12 label: LABEL_REPEATED type: TYPE_STRING }
    field { name: "nums" number: 13 label: LABEL_REPEATED type: TYPE_INT32 }
    field {
      name: "items"
      number: 14
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".t.Inner"
    }
    field {
      name: "labels"
      number: 15
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".t.Req.LabelsEntry"
    }
    field { name: "camel_case_name" number: 16 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "s32" number: 17 label: LABEL_OPTIONAL type: TYPE_SINT32 }
    nested_type {
      name: "LabelsEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
      options { map_entry: true }
    }
  }
  message_type {
    name: "Resp"
    field { name: "message" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "big" number: 2 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field { name: "inner" number: 3 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".t.Inner" }
    field { name: "items" number: 4 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".t.Inner" }
    field { name: "kind" number: 5 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".t.Kind" }
    field {
      name: "body"
      number: 6
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.api.HttpBody"
    }
    field { name: "choice_a" number: 7 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
    field {
      name: "choice_b"
      number: 8
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".t.Inner"
      oneof_index: 0
    }
    oneof_decl { name: "choice" }
  }
  service {
    name: "Svc"
    method { name: "Get" input_type: ".t.Req" output_type: ".t.Resp" }
    method { name: "Stream" input_type: ".t.Req" output_type: ".t.Resp" server_streaming: true }
    method { name: "Raw" input_type: ".t.Req" output_type: ".google.api.HttpBody" }
    method { name: "Plain" input_type: ".t.Req" output_type: ".t.Resp" }
    method { name: "Upload" input_type: ".t.Req" output_type: ".t.Resp" client_streaming: true }
  }
)pb";

inline std::unique_ptr<pb::DescriptorPool> TestPool(
    const std::map<std::string, std::string>& rules = {}) {
  pb::FileDescriptorProto file;
  EXPECT_TRUE(pb::TextFormat::ParseFromString(kTestFile, &file));
  for (pb::MethodDescriptorProto& method : *file.mutable_service(0)->mutable_method()) {
    auto it = rules.find(method.name());
    if (it != rules.end()) {
      SetRule(&method, Rule(it->second));
    }
  }
  std::set<std::string> seen;
  std::vector<pb::FileDescriptorProto> files;
  CollectFiles(google::api::HttpBody::descriptor()->file(), &seen, &files);
  files.push_back(file);
  return BuildPool(files);
}

}  // namespace cloudstate::proxy::http::test_pool
