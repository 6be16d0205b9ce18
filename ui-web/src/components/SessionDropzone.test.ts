import { fireEvent, render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import SessionDropzone from "./SessionDropzone.svelte";

describe("SessionDropzone", () => {
  it("hands over a picked file; the picker is a labelled control reachable by keyboard", async () => {
    const user = userEvent.setup();
    const onFile = vi.fn();
    render(SessionDropzone, { onFile });
    await user.tab();
    const input = screen.getByLabelText("Choose a session file…");
    expect(document.activeElement).toBe(input);
    const file = new File(["x"], "me.session");
    await user.upload(input as HTMLInputElement, file);
    expect(onFile).toHaveBeenCalledWith(file);
  });

  it("hands over a dropped file, and ignores drops while disabled", async () => {
    const onFile = vi.fn();
    const { rerender } = render(SessionDropzone, { onFile });
    const zone = screen.getByTestId("session-dropzone");
    const file = new File(["x"], "dropped.session");
    await fireEvent.drop(zone, { dataTransfer: { files: [file] } });
    expect(onFile).toHaveBeenCalledWith(file);
    await rerender({ onFile, disabled: true });
    await fireEvent.drop(zone, { dataTransfer: { files: [file] } });
    expect(onFile).toHaveBeenCalledTimes(1);
  });
});
