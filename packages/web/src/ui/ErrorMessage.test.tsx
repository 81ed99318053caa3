// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, errorFromResponse, errorFromThrown } from "../api/errors";
import { ErrorMessage } from "./ErrorMessage";

afterEach(cleanup);

describe("<ErrorMessage>", () => {
  it("renders nothing without an error", () => {
    const { container } = render(<ErrorMessage error={undefined} />);
    expect(container.innerHTML).toBe("");
  });

  it("announces our API's error as an alert, with its code in small print", () => {
    render(<ErrorMessage error={errorFromResponse(401, "application/json", JSON.stringify({ error: { code: "InvalidCredentials", message: "Incorrect email, username or password." } }))} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Incorrect email, username or password.");
    expect(alert.textContent).toContain("Error code: InvalidCredentials");
  });

  it("lists a validation error's fields", () => {
    render(
      <ErrorMessage
        error={errorFromResponse(400, "application/json", JSON.stringify({ error: { code: "ValidationError", message: "email: Invalid email", details: { fields: [{ field: "email", problem: "Invalid email" }] } } }))}
      />,
    );
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["email: Invalid email"]);
  });

  it("shows API Gateway's bare 401 and 403 as session problems", () => {
    render(<ErrorMessage error={errorFromResponse(401, "application/json", '{"message":"Unauthorized"}')} />);
    expect(screen.getByRole("alert").textContent).toContain("Your session has ended. Sign in again.");
    cleanup();
    render(<ErrorMessage error={errorFromResponse(403, "application/json", '{"message":"Forbidden"}')} />);
    expect(screen.getByRole("alert").textContent).toContain("Your session is no longer valid. Sign in again.");
  });

  it("shows storage's XML refusal in words", () => {
    render(<ErrorMessage error={errorFromResponse(400, "application/xml", "<Error><Code>EntityTooSmall</Code><Message>Your proposed upload is smaller than the minimum allowed size</Message></Error>", "storage")} />);
    const text = screen.getByRole("alert").textContent ?? "";
    expect(text).toContain("Storage refused the file: it is empty or smaller than announced.");
    expect(text).toContain("Error code: EntityTooSmall");
  });

  it("shows a network failure and offers to try again", () => {
    const retry = vi.fn();
    render(<ErrorMessage error={errorFromThrown(new TypeError("Failed to fetch"))} onRetry={retry} />);
    expect(screen.getByRole("alert").textContent).toContain("Can't reach the server.");
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(retry).toHaveBeenCalledOnce();
  });

  it("shows a cancel plainly and an unexpected exception without its internals", () => {
    render(<ErrorMessage error={new AbortedError()} />);
    expect(screen.getByRole("alert").textContent).toBe("Cancelled.");
    cleanup();
    render(<ErrorMessage error={new Error("Cannot read properties of undefined (reading 'x')")} />);
    expect(screen.getByRole("alert").textContent).toBe("Something went wrong in the app. Reload the page and try again.");
  });
});
