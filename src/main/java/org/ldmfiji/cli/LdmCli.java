package org.ldmfiji.cli;

public final class LdmCli {
	public static void main(String[] args) {
		System.out.println("ldm");
	}
}
