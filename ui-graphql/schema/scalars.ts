import { GraphQLUpload } from "graphql-upload-minimal";
import { builder } from "../builder.ts";

builder.scalarType("DateTime", {
  description: "An ISO-8601 date-time in UTC",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError("DateTime must be an ISO-8601 string");
    return date;
  },
});

builder.scalarType("JSON", {
  description: "Any JSON value",
  serialize: (value) => value,
  parseValue: (value) => value,
});

// The GraphQL multipart request spec's scalar; graphql-upload-minimal fills it in front of Yoga.
builder.addScalarType("Upload", GraphQLUpload);
