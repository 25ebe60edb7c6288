using Registryctl.Commands;

return await RegistryctlCommand.RunAsync(args);
